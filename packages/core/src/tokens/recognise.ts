/**
 * Recognising Gatehouse tokens in text (SPEC §11: leak scanning). A token is an HS256 JWT whose
 * header is `{"alg":"HS256","typ":"JWT","kid":"<kid>"}` and whose claims start with
 * `{"iss":"gatehouse","sub"`: both are whole base64 groups (33 and 24 bytes), so their base64url
 * forms are fixed strings whatever follows. Then the rest of the header (the kid, 1–32
 * characters, and `"}`), the rest of the claims, and the 32-byte HMAC-SHA256 signature: exactly
 * 43 base64url characters. Published in SECURITY.md; tokens minted before `iss` was added do not match.
 */
export const TOKEN_PATTERN_SOURCE =
  '(?<![A-Za-z0-9_-])eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6[A-Za-z0-9_-]{4,48}\\.eyJpc3MiOiJnYXRlaG91c2UiLCJzdWIi[A-Za-z0-9_-]{20,1400}\\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])';

/** A fresh global RegExp (each has its own lastIndex). */
export const tokenPattern = (): RegExp => new RegExp(TOKEN_PATTERN_SOURCE, 'g');

/** Every Gatehouse token in `text`, with its 1-based line and column. */
export function findTokens(text: string): Array<{ token: string; line: number; column: number }> {
  const found: Array<{ token: string; line: number; column: number }> = [];
  const re = tokenPattern();
  let lineStart = 0;
  let line = 1;
  let scanned = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    for (let i = text.indexOf('\n', scanned); i !== -1 && i < m.index; i = text.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    scanned = m.index;
    found.push({ token: m[0], line, column: m.index - lineStart + 1 });
  }
  return found;
}
