/**
 * @rms/client — the producer SDK of the Reliable Message Service.
 *
 * - `RmsClient`: the producer REST API, with safe retries and typed errors (`RmsError`).
 * - `TransactionalPublisher`: publish a message if and only if a TypeORM transaction commits.
 * - `createCheckBackHandler` with `toNodeListener`, `toExpressHandler`, `toFastifyHandler`: the
 *   check-back endpoint, answered from the barrier table.
 * - NestJS: `RmsModule` from `@rms/client/nestjs`.
 */
export { RmsClient } from './rms-client';
export type { RmsClientOptions, PrepareRequest, SendRequest } from './rms-client';
export {
  RmsError,
  RolledBackByCheckBackError,
  MsgLogIdInUseError,
  NotCommittedError,
} from './errors';
export type { RmsErrorCode } from './errors';
export { TransactionalPublisher } from './transactional-publisher';
export type {
  TransactionalPublisherOptions,
  PublishRequest,
  Published,
  PublisherLogger,
} from './transactional-publisher';
export { BarrierTable, DEFAULT_BARRIER_TABLE } from './barrier';
export type { BarrierState } from './barrier';
export { createBarrierMigration } from './migration';
export { createCheckBackHandler } from './check-back-handler';
export type {
  CheckBackHandler,
  CheckBackHandlerOptions,
  CheckBackRequest,
  CheckBackResponse,
} from './check-back-handler';
export { toNodeListener, toExpressHandler, toFastifyHandler } from './adapters';
export { signCheckBack, CHECK_BACK_HEADERS } from '../../contracts/src/check-back-signature';
export type {
  MessageView,
  PrepareMessageRequest,
  PrepareBatchResponse,
} from '../../contracts/src/message-view';
export type { ErrorBody } from '../../contracts/src/error-codes';
