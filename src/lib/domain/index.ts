/** The domain layer's public API: types and pure rules, free of Svelte, Yjs, DOM and network. */
export * from './ids';
export * from './model';
export * from './hlc';
export * from './seats';
export * from './cover';
export * from './decision';
export * from './outcome-state';
export * from './labels';
export * from './balance';
export * from './revision';
export * from './membership';
export * from './ballot-standing';
