import { SocketCore } from '../src/index.js'
import { connectionCompliance } from './compliance/connection-suite.js'
import { socketFactory } from './compliance/factories.js'
import { type CoreUnderTest, serverTransportCompliance } from './compliance/server-transport-suite.js'

const loop: CoreUnderTest = { name: 'loop', core: SocketCore.LOOP }
serverTransportCompliance(loop)
connectionCompliance(socketFactory(loop))
