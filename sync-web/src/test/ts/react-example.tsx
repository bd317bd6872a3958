import { useSyncMutation, SyncButton, type MutationLike, type CallLike } from '../../main/js/react.js';

interface ConfirmVars { id: string }
interface Booking { id: string; confirmations: number }

declare const confirmBooking: MutationLike<ConfirmVars, Booking>;

export function BookingRow({ id }: { id: string }) {
  const { mutate, state, isPending, isError, isSuccess, data, error, progress } = useSyncMutation(confirmBooking);
  const confirmations: number | undefined = data?.confirmations;
  const status: 'idle' | 'pending' | 'success' | 'error' | 'queued' | 'dead' = state.status;
  const onClick = () => {
    const call: CallLike<Booking> = mutate({ id });
    call.result.then((b) => console.log(b.confirmations));
    // @ts-expect-error the variables are typed by the mutation
    mutate({ booking: id });
  };
  return (
    <div data-status={status}>
      <button onClick={onClick} disabled={isPending}>Confirm</button>
      {isPending && <span>attempt {progress.attempt} of {progress.maxRetries}</span>}
      {isSuccess && <span>{confirmations} sent</span>}
      {isError && <span>{String(error)}</span>}
      <SyncButton mutation={confirmBooking} variables={() => ({ id })} loadingText="Confirming…"
        successText="Confirmed" successDuration={1500} confirm="Confirm it?" progress
        onSuccess={(b) => console.log(b.id)} onError={(problem) => console.log(problem)} className="primary">
        Confirm booking
      </SyncButton>
    </div>
  );
}

// @ts-expect-error a mutation is required
export const missing = <SyncButton variables={{ id: 'b-1' }}>Confirm</SyncButton>;
