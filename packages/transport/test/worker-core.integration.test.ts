import { SocketCore } from '../src/index.js'
import { transportCompliance } from './compliance/transport-suite.js'

transportCompliance({ name: 'worker', core: SocketCore.WORKER, init: { maxWorkers: 2 } })
