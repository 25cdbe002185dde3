// Model surgery as a user meets it in browser mode, on the zoo's BERT export (dynamic batch and
// sequence axes, shape arithmetic): shapes of the wrong rank are refused with the reason beside the
// button; fixed shapes and a fold from the readiness panel make a new version, listed under the
// model as opened with its edits, unchanged outputs and the check after, its difference painted on
// the graph with a legend, and its file downloaded; then a node is removed from the graph's
// inspector, which makes a third version. Screenshots land in test/.tmp/.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { E2E_TOKEN } from './playwright.config';

const ROOT = path.resolve(__dirname, '../..');
const BERT = path.join(ROOT, 'test/fixtures/zoo/bert-tiny.onnx');
const SHOTS = path.join(ROOT, 'test/.tmp');
const INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'];

test.beforeAll(() => fs.mkdirSync(SHOTS, { recursive: true }));

async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(SHOTS, name) });
}

/** Selects the first node of one of `ops` through the graph view's controller; its index. */
async function selectOp(page: Page, ops: string[]): Promise<number> {
  return page.evaluate((wanted) => {
    const c = (
      window as unknown as {
        __kilnGraph: {
          model: { N: number; nodeOp: Int32Array; payload: { ops: string[] } };
          jumpTo(n: number): Promise<void>;
        };
      }
    ).__kilnGraph;
    for (let i = 0; i < c.model.N; i++)
      if (wanted.includes(c.model.payload.ops[c.model.nodeOp[i]!]!)) {
        void c.jumpTo(i);
        return i;
      }
    return -1;
  }, ops);
}

test('fix shapes and fold from the readiness panel, see the version and its difference, download it, remove a node', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await page.goto(`/?token=${E2E_TOKEN}`);
  await page.getByTestId('file-input').setInputFiles(BERT);
  await expect(page.getByTestId('model-name')).toHaveText('bert-tiny.onnx');
  await expect(page.locator('[data-state=ready]')).toBeVisible({ timeout: 30_000 });
  await page.getByRole('tab', { name: 'TensorRT readiness' }).click();
  const strip = page.getByTestId('fix-strip');
  await expect(strip).toBeVisible({ timeout: 30_000 });
  // Prefilled from the model's inputs: the batch as 1, the sequence left for the user.
  await expect(page.getByLabel('Fix shape of input_ids')).toHaveValue('1x?');

  // A refused edit: three dims for a two-dim input. The host's reason shows beside the button.
  await page.getByLabel('Fix shape of input_ids').fill('1x16x4');
  for (const name of INPUTS.slice(1)) await page.getByLabel(`Fix shape of ${name}`).fill('1x16');
  const foldButton = strip.getByRole('button', { name: 'Fix shapes and fold' });
  await foldButton.click();
  const refused = strip.getByRole('alert');
  await expect(refused).toContainText('input input_ids has 2 dims', { timeout: 60_000 });
  await expect(page.getByTestId('versions')).toHaveCount(0);
  await strip.screenshot({ path: path.join(SHOTS, 'edit-refused.png') });

  // Shapes that fit: a new version, opened, listed under the model as opened.
  await page.getByLabel('Fix shape of input_ids').fill('1x16');
  await foldButton.click();
  const versions = page.getByTestId('version');
  await expect(versions).toHaveCount(2, { timeout: 90_000 });
  await expect(refused).toHaveCount(0);
  await expect(versions.nth(0)).toContainText('bert-tiny.onnx');
  await expect(versions.nth(0)).toContainText('the model as opened');
  const edited = versions.nth(1);
  await expect(edited).toHaveAttribute('data-open', 'true');
  await expect(edited).toContainText(
    'from bert-tiny.onnx: shapes input_ids:1x16 attention_mask:1x16 token_type_ids:1x16 · fold',
  );
  await expect(edited.getByTestId('version-applied')).toContainText(/→ \d+ nodes/);
  await expect(edited.getByTestId('version-exactness')).toContainText('Outputs unchanged');
  await expect(edited.getByTestId('version-check')).toContainText(/TensorRT 1[01]: all \d+ nodes supported/);
  const fileName = (await edited.locator('strong').first().textContent())!;
  await expect(page.getByTestId('model-name')).toHaveText(fileName);

  // The difference to the parent, painted on the new version's graph with its legend.
  await expect(page.locator('[data-state=ready]')).toBeVisible({ timeout: 30_000 });
  const legend = page.getByTestId('graph-legend');
  await expect(legend).toContainText('Difference to bert-tiny.onnx', { timeout: 30_000 });
  await expect(legend).toContainText(/nodes? removed/);
  await expect(legend).toContainText('unchanged');
  await shot(page, 'edit-version-difference.png');

  // The same side-by-side diff as for a variant, against its parent: listed under "Diff against…".
  const launcher = page.getByLabel('Diff against');
  await expect(launcher.locator('option')).toContainText(['bert-tiny.onnx (as opened)']);
  await launcher.selectOption({ label: 'bert-tiny.onnx (as opened)' });
  await expect(page.getByTestId('diff-view')).toBeVisible({ timeout: 60_000 });
  // The parent on the left: what the fold took away reads as removed.
  await expect(page.getByTestId('diff-view')).toContainText('Diff: bert-tiny.onnx → ');
  await expect(page.getByTestId('diff-count-removed')).toHaveText(/^\s*[1-9]\d* removed$/);
  await shot(page, 'edit-diff-parent.png');
  await page.getByRole('button', { name: 'Close diff' }).click();

  // Its file, downloaded as a variant's is.
  const [download] = await Promise.all([page.waitForEvent('download'), edited.getByTestId('version-download').click()]);
  expect(download.suggestedFilename()).toBe(fileName);
  const saved = path.join(SHOTS, 'edit-download.onnx');
  await download.saveAs(saved);
  expect(fs.statSync(saved).size).toBeGreaterThan(1000);
  fs.rmSync(saved);

  // A node removed from the graph's inspector: a third version, made from the second.
  const node = await selectOp(page, ['Softmax', 'Erf', 'Tanh', 'Relu']);
  expect(node).toBeGreaterThanOrEqual(0);
  const actions = page.getByTestId('node-actions');
  await expect(actions).toBeVisible();
  await page.getByTestId('graph-inspector').screenshot({ path: path.join(SHOTS, 'edit-node-actions.png') });
  const removed = (await page.getByTestId('inspector-name').textContent())!;
  await actions.getByRole('button', { name: 'Remove node' }).click();
  await expect(versions).toHaveCount(3, { timeout: 90_000 });
  await expect(versions.nth(2)).toHaveAttribute('data-open', 'true');
  await expect(versions.nth(2)).toContainText(`from ${fileName}: remove ${removed}`);
  await shot(page, 'edit-removed.png');

  // Back to the model as opened: the list stays.
  await versions.nth(0).getByRole('button', { name: 'bert-tiny.onnx' }).click();
  await expect(page.getByTestId('model-name')).toHaveText('bert-tiny.onnx');
  await expect(versions).toHaveCount(3);
  await expect(versions.nth(0)).toHaveAttribute('data-open', 'true');
});
