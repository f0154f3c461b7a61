/**
 * Token kinds of a sequence (SPEC §1): the relevant token, the confusing one
 * (weakly relevant to the wrong class), the weakly relevant one, then T − 3
 * irrelevant tokens, in that order.
 */

/** Token kinds in sequence order (SPEC §1). */
export const TOKEN_KINDS = ['relevant', 'confusing', 'weak', 'irrelevant'] as const;
/** One of {@link TOKEN_KINDS}. */
export type TokenKind = (typeof TOKEN_KINDS)[number];

/** Kind index (0..3 in TOKEN_KINDS) of token position t (0-based). */
export function kindOfPosition(t: number): number {
  return t < 3 ? t : 3;
}

/** Mean softmax weight per token of each kind (the token-selection picture of the paper's Figure 3). */
export type TokenWeights = Record<TokenKind, number>;
