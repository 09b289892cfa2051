// Sets Mantine's colour-scheme attribute before the app loads, so dark-mode users see no white
// flash. Same key and values as Mantine's localStorageColorSchemeManager. External file, not
// inline, because the Content-Security-Policy forbids inline scripts.
(function () {
  try {
    var saved = window.localStorage.getItem('mantine-color-scheme-value');
    var scheme = saved === 'light' || saved === 'dark' ? saved : null;
    if (!scheme) {
      scheme = window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
    }
    document.documentElement.setAttribute('data-mantine-color-scheme', scheme);
  } catch (e) {
    /* storage unavailable: Mantine decides once loaded */
  }
})();
