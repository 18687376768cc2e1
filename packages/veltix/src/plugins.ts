// `veltix/plugins`: the first-party plugins (see src/plugins/index.ts).
export * from './plugins/index.js'
