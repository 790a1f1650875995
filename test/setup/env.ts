// Integration specs build their config explicitly; keep a developer's .env or shell from leaking in.
process.env.TZ = 'UTC';
import { Logger } from '@nestjs/common';

// Keep test output readable: the app's info logs are noise here, warnings and errors are not.
Logger.overrideLogger(['warn', 'error']);
