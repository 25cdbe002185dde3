/**
 * "Make batch dynamic": the dynamicBatch edit as one button, offered where an input has a fixed
 * first dim (an export with a baked-in batch): under the model's inputs and in the readiness panel's
 * fix strip. It makes a new version like every edit; a refusal shows under the button.
 */
import type { ModelSummary } from '../../../electron/shared/api/model-summary';
import { ActionError } from './ActionError';
import { FixButton } from './FixButton';
import { dynamicBatchFix } from './fixes';
import { useEdits } from './store';

export function DynamicBatchButton({ summary }: { summary: Pick<ModelSummary, 'inputs'> }) {
  const fix = dynamicBatchFix(summary);
  if (!fix) return null;
  return (
    <div className="edit-apply">
      <FixButton fix={fix} testId="dynamic-batch" onClick={() => void useEdits.getState().edit(fix.key, fix.edits)} />
      <ActionError id={fix.key} />
    </div>
  );
}
