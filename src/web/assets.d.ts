/** Vite turns these imports into the built file's URL. */
declare module '*.svg' {
  const url: string;
  export default url;
}
declare module '*?url' {
  const url: string;
  export default url;
}
