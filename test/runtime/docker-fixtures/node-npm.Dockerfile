# The npm fixture gyms' base: the test image plus `npm` and `npx` as a node installation lays them out
# (/usr/local/bin/npm -> ../lib/node_modules/npm/bin/npm-cli.js). The links point into the host's npm, which each
# gym bind-mounts read-only at /usr/local/lib/node_modules/npm (docker.mounts; a mounted file cannot stand in for
# the link: npm-cli.js requires ../lib/cli.js relative to where it lies), beside the host's node at /usr/local/bin/node.
FROM swe-mirror-test/bookworm-python:2
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
