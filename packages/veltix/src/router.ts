/** `veltix/router`: everything `@veltix/router` exports. */
export * from '@veltix/router'
