// What `@veltix/codec` resolves to inside the browser bundle (tsup.browser.config.ts aliases it here), so
// that modules shared with the Node build, such as ../typed-message.ts, bundle on the browser's classes.
export { MessageType } from '../../../codec/src/message-type.js'
export { decodeJson, decodeUtf8, encodeJson, encodeUtf8 } from '../../../codec/src/payload.js'
export { Request, type RequestInit, Response } from './message.js'
