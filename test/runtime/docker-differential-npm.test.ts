/**
 * Differential test, docker runtime against the local sandbox, on the fixture gyms installed with `npm ci`: js-jest,
 * js-mocha, js-vitest and ts-node-test, with the host's node and npm mounted read-only and npm/npx linked by
 * docker-fixtures/node-npm.Dockerfile; `npm ci` runs at prepare with the host's network. Every default task gets the
 * same verdict both ways and the one its expected.json records. How: docker-differential-support.ts.
 */
import { describeDockerDifferential } from './docker-differential-support.js';

await describeDockerDifferential(['js-jest', 'js-mocha', 'js-vitest', 'ts-node-test']);
