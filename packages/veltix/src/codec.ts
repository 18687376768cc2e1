/** `veltix/codec`: everything `@veltix/codec` exports. */
export * from '@veltix/codec'
