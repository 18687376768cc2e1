/** `veltix/session`: everything `@veltix/session` exports. */
export * from '@veltix/session'
