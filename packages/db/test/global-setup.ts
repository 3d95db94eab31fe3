// One real PostgreSQL for the test run (see provideTestServer).
export { provideTestServer as default } from '../src/testing';
