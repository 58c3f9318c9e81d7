// The app is a local-first SPA: all data lives on the device, so nothing renders on a server.
export const ssr = false;
export const prerender = false;
