/**
 * Following one graph with the other: the follower takes the leader's zoom and moves so that the
 * pair of the node nearest the middle of the leader's view sits where that node sits on the
 * leader's screen. Two versions of one model lay out differently (an added node shifts what comes
 * after it), so matching transforms alone would drift apart; matching a paired node does not.
 * Where the middle node has no pair drawn, the transform is copied as it is.
 */
import type { GraphController } from '../graph/controller';

export function follow(leader: GraphController, follower: GraphController, pairOf: Int32Array): void {
  const { s, tx, ty } = leader.view;
  const node = leader.centreNode();
  const pair = node >= 0 ? (pairOf[node] ?? -1) : -1;
  const from = node >= 0 ? leader.screenBox(node) : null;
  const to = pair >= 0 ? follower.screenBox(pair) : null;
  if (!from || !to) {
    if (follower.view.s !== s || follower.view.tx !== tx || follower.view.ty !== ty) follower.setView({ s, tx, ty });
    return;
  }
  // The pair's place in the follower's world, then the follower's view that puts it where `node` is.
  const wx = (to.x + to.w / 2 - follower.view.tx) / follower.view.s;
  const wy = (to.y + to.h / 2 - follower.view.ty) / follower.view.s;
  const next = { s, tx: from.x + from.w / 2 - wx * s, ty: from.y + from.h / 2 - wy * s };
  const v = follower.view;
  if (Math.abs(v.s - next.s) > 1e-9 || Math.abs(v.tx - next.tx) > 0.5 || Math.abs(v.ty - next.ty) > 0.5)
    follower.setView(next);
}
