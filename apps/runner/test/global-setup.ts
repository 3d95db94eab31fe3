// A migrated template database on the project's server (see provideTestServer).
export { provideTestServer as default } from '@linkboard/db/testing';
