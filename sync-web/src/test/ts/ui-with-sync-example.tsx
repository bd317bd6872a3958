// sync.js's mutations fit <sync-button> and the React adapter as they are: the UI modules declare
// only the structural types they need, and these lines check that sync.d.ts's satisfy them.
import { SyncClient } from '../../main/js/sync.js';
import { useSyncMutation, SyncButton } from '../../main/js/react.js';
import '../../main/js/sync-button.js';

interface Booking { id: string; confirmations: number }

const client = SyncClient.create({ offline: false });
const confirm = client.mutation<{ id: string }, Booking>('confirm', {
  method: 'POST',
  url: (v) => `/api/bookings/${v.id}/confirm`,
});

const element = document.createElement('sync-button');
element.mutation = confirm;
element.variables = { id: '1001' };

export function Row() {
  const { mutate, data, progress } = useSyncMutation(confirm);
  const confirmations: number | undefined = data?.confirmations;
  // @ts-expect-error the variables are the mutation's
  const wrong = () => mutate({ booking: '1001' });
  return (
    <SyncButton mutation={confirm} variables={{ id: '1001' }} progress
      onSuccess={(b) => console.log(b.confirmations, confirmations, progress.maxRetries, wrong)}>
      Confirm
    </SyncButton>
  );
}
