/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any --
   The generated protobuf classes are loaded with require() from inside the client package (the
   serializers check instanceof, so they must be the client's own copies) and used untyped. */

// The generated modules shipped inside the client package: the serializers check `instanceof`,
// so the server must build its answers from the very same classes.
const pbRoot = 'rocketmq-client-nodejs/proto/apache/rocketmq/v2';
export const { MessagingServiceService } = require(`${pbRoot}/service_grpc_pb`);
export const svc = require(`${pbRoot}/service_pb`);
export const def = require(`${pbRoot}/definition_pb`);
const { Duration } = require('google-protobuf/google/protobuf/duration_pb');
export const { Timestamp } = require('google-protobuf/google/protobuf/timestamp_pb');

export const OK = def.Code.OK as number;
export const INVALID_RECEIPT_HANDLE = def.Code.INVALID_RECEIPT_HANDLE as number;
export const duration = (ms: number) =>
  new Duration().setSeconds(Math.floor(ms / 1000)).setNanos((ms % 1000) * 1_000_000);
export const status = (code: number, message = code === OK ? 'OK' : 'injected fault') =>
  new def.Status().setCode(code).setMessage(message);

/** The one message queue (id 0, read-write) of a topic, on the emulator at `port`. */
export function routeQueue(topic: any, port: number): any {
  const broker = new def.Broker()
    .setName('emulator')
    .setId(0)
    .setEndpoints(
      new def.Endpoints()
        .setScheme(def.AddressScheme.IPV4)
        .setAddressesList([new def.Address().setHost('127.0.0.1').setPort(port)]),
    );
  return new def.MessageQueue()
    .setTopic(
      new def.Resource()
        .setName(topic.getName())
        .setResourceNamespace(topic.getResourceNamespace()),
    )
    .setId(0)
    .setPermission(def.Permission.READ_WRITE)
    .setBroker(broker)
    .setAcceptMessageTypesList([
      def.MessageType.NORMAL,
      def.MessageType.FIFO,
      def.MessageType.DELAY,
      def.MessageType.TRANSACTION,
    ]);
}

/**
 * The Settings a proxy answers on the telemetry stream: the client's own, plus a backoff policy
 * (without it the client throws inside its stream handler), a body size limit, and the consumer's
 * batch size and long-polling timeout.
 */
export function settingsReply(clientSettings: any): any {
  const settings = def.Settings.deserializeBinary(clientSettings.serializeBinary());
  settings.setBackoffPolicy(
    new def.RetryPolicy()
      .setMaxAttempts(1)
      .setExponentialBackoff(
        new def.ExponentialBackoff()
          .setInitial(duration(100))
          .setMax(duration(1000))
          .setMultiplier(2),
      ),
  );
  if (settings.hasPublishing()) {
    settings
      .getPublishing()
      .setMaxBodySize(4 * 1024 * 1024)
      .setValidateMessageType(false);
  }
  if (settings.hasSubscription()) {
    settings.getSubscription().setReceiveBatchSize(32).setLongPollingTimeout(duration(1000));
  }
  return settings;
}
