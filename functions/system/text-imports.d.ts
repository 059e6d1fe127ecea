// Swagger UI's files imported as text (`with { type: 'text' }`), which esbuild inlines
// in the Lambda bundle: see api-reference.ts.
declare module 'swagger-ui-dist/swagger-ui-bundle.js' {
  const text: string;
  export default text;
}
declare module 'swagger-ui-dist/swagger-ui.css' {
  const text: string;
  export default text;
}
