# The python fixture gym's base: Debian's python3 and pytest (test/runtime/docker-support.ts builds the image below),
# with `python` naming python3 as the gym's commands expect.
FROM swe-mirror-test/bookworm-python:2
RUN ln -sf /usr/bin/python3 /usr/local/bin/python
