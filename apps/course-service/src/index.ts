import { x } from "@outflow/outbox"; const y: number = x; console.log("ok", y);
