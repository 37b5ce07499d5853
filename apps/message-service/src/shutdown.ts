import { startShutdownClock } from './common/shutdown-deadline';
import { LoggerService } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * Closes the application in the order a graceful stop needs: first the HTTP server stops taking
 * requests and finishes those in flight (Nest would close it last, after the database), within
 * half of `graceMs`; then the lifecycle hooks let deliveries and job workers finish what they
 * hold, and connections close.
 */
export async function closeGracefully(app: NestFastifyApplication, graceMs: number): Promise<void> {
  startShutdownClock(graceMs);
  const server = app.getHttpServer();
  const closed = app.getHttpAdapter().close() as Promise<void>;
  // A keep-alive connection whose request ends after the close began stays open until the
  // client drops it; close each as soon as it is idle, and all of them at the deadline.
  const idle = setInterval(() => server.closeIdleConnections(), 50);
  const deadline = setTimeout(() => server.closeAllConnections(), graceMs / 2);
  try {
    await closed;
  } finally {
    clearInterval(idle);
    clearTimeout(deadline);
  }
  await app.close();
}

/**
 * On SIGTERM or SIGINT: close gracefully and exit 0, or exit 1 once `graceMs` has passed
 * (SHUTDOWN_GRACE_MS): whatever is still in flight then is due again in MySQL after its lease.
 */
export function exitOnSignals(
  app: NestFastifyApplication,
  graceMs: number,
  logger: LoggerService,
): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: stopping (up to ${graceMs} ms)`);
    setTimeout(() => {
      logger.error(`still stopping after SHUTDOWN_GRACE_MS=${graceMs}: exiting now`);
      process.exit(1);
    }, graceMs).unref();
    closeGracefully(app, graceMs).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(`stopping failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
