// Test doubles for what lives off this machine (models, remote APIs), exported for users' own tests.
export {};
