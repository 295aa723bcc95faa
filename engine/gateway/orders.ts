/**
 * The order routes moved to routes/orders.ts and the wire shapes to wire.ts;
 * this re-export keeps existing importers (engine/gateway/ws/topics.ts) working.
 */
export { orderToJson } from './wire.js';
