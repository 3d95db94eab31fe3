'use client';

import { createAuthClient } from 'better-auth/react';

/** Same-origin: the auth routes live under /api/auth. */
export const authClient = createAuthClient();
