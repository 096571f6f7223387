/**
 * Differential test, docker runtime against the local sandbox, on the fixture gyms whose toolchain is one host
 * directory or binary: go-stdlib (GOROOT), js-node-test (node) and rust-cargo (the rustup toolchain, with the test
 * image's gcc as linker). Every default task gets the same verdict both ways and the one its expected.json records.
 * The npm gyms: docker-differential-npm.test.ts; python-pytest: docker-verify.test.ts; how: docker-differential-support.ts.
 */
import { describeDockerDifferential } from './docker-differential-support.js';

await describeDockerDifferential(['go-stdlib', 'js-node-test', 'rust-cargo']);
