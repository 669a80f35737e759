// Runs the graphql-http package's audit of the GraphQL-over-HTTP specification against
// a server and prints every result as one JSON line.
// Usage: node graphql-http-audit.mjs <graphql-url>
import { auditServer } from "graphql-http";

const results = await auditServer({ url: process.argv[2] });
console.log(JSON.stringify(results.map((r) => ({ name: r.name, status: r.status, reason: r.reason ?? null }))));
