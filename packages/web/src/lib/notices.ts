import { notifications } from '@mantine/notifications';

/**
 * A mutation's callbacks that say how it went: a green notice (then `then`, e.g. closing the
 * dialog), or a red one titled `failed` with the server's reason.
 */
export function withNotices(done: string, failed: string, then?: () => void) {
  return {
    onSuccess: () => {
      notifications.show({ color: 'green', message: done });
      then?.();
    },
    onError: (e: Error) => notifications.show({ color: 'red', title: failed, message: e.message }),
  };
}
