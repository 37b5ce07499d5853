import { Logger } from '@nestjs/common';

// Unit specs assert on what services decide, not on what they log.
Logger.overrideLogger(false);
