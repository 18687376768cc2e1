/** `veltix/logger`: everything `@veltix/logger` exports. */
export * from '@veltix/logger'
