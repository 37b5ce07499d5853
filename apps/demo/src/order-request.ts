/** What the demo sends to the order service. */
export interface OrderRequest {
  orderId: string;
  userId: string;
  amount: number;
  fault?: 'rollback' | 'crash-before-confirm' | 'crash-consumer';
}

/** Where the order service answers the message service's check-backs. */
export const CHECK_BACK_PATH = '/rms/check-back';
