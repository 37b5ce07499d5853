import { MESSAGE_STATUS_NAMES, MessageStatusName, MessageView } from '@app/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The message view of the API (documentation of `MessageView`). */
export class MessageViewDto implements MessageView {
  @ApiProperty({ example: '01HZX3K6S3M9C2Q4W7E8R5T6YV', description: 'ULID made by the service' })
  id!: string;
  @ApiProperty() producerId!: string;
  @ApiProperty() msgLogId!: string;
  @ApiProperty() topic!: string;
  @ApiProperty({ nullable: true, type: String }) tag!: string | null;
  @ApiProperty({ type: [String] }) keys!: string[];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) properties!: Record<
    string,
    string
  >;
  @ApiProperty({ nullable: true, type: String }) messageGroup!: string | null;
  @ApiProperty({ nullable: true, type: String }) msgLogUrl!: string | null;
  @ApiProperty({ enum: MESSAGE_STATUS_NAMES }) status!: MessageStatusName;
  @ApiProperty({ nullable: true, type: String, description: 'the last error, human-readable' })
  failMsg!: string | null;
  @ApiProperty() checkBackCount!: number;
  @ApiProperty() deliveryAttempts!: number;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) nextAttemptAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) deliverAt!: string | null;
  @ApiProperty({ nullable: true, type: String, description: "the broker's receipt id" })
  mqMessageId!: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'per (producer, topic), no holes' })
  seq!: number | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) confirmedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) sentAt!: string | null;
  @ApiPropertyOptional({ description: 'base64; only with ?withBody=true' }) body?: string;
}
