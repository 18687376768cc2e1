import { SocketCore } from '../src/index.js'
import { transportCompliance } from './compliance/transport-suite.js'

transportCompliance({ name: 'loop', core: SocketCore.LOOP })
