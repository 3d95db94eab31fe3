// One real PostgreSQL for the test run (db's test support).
export { provideTestServer as default } from '@linkboard/db/testing';
