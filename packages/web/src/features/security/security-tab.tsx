export default function Stub() { return <p>TODO</p>; }
