/**
 * The wire of Triad's sync protocol, owned in one place: document ids, tokens and their
 * derivation, connection parameters, message types, close codes and the access endpoints. The
 * relay (`server/`), the app's sync layer and the benches all import it; it imports nothing of
 * the app.
 */
export * from './access';
export * from './base64url';
export * from './close-codes';
export * from './connection-params';
export * from './ids';
export * from './messages';
export * from './push';
