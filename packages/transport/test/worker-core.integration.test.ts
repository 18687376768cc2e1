import { SocketCore } from '../src/index.js'
import { connectionCompliance } from './compliance/connection-suite.js'
import { socketFactory } from './compliance/factories.js'
import { type CoreUnderTest, serverTransportCompliance } from './compliance/server-transport-suite.js'

const worker: CoreUnderTest = { name: 'worker', core: SocketCore.WORKER, init: { maxWorkers: 2 } }
serverTransportCompliance(worker)
connectionCompliance(socketFactory(worker))
