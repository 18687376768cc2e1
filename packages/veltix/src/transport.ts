/** `veltix/transport`: everything `@veltix/transport` exports. */
export * from '@veltix/transport'
