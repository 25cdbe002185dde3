/** Why the last edit an action asked for was refused, in plain words, right under that action. */
import { useEdits } from './store';

/** Why the last edit of action `key` was refused, next to the action. */
export function ActionError({ id }: { id: string }) {
  const error = useEdits((s) => s.errors[id]);
  return error ? (
    <p className="edit-error" role="alert" data-testid={`edit-error-${id}`}>
      {error}
    </p>
  ) : null;
}
