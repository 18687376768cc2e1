import { connectionCompliance } from './compliance/connection-suite.js'
import { pairFactory } from './compliance/factories.js'

connectionCompliance(pairFactory)
