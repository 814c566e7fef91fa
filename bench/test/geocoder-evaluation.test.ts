import { loadGazetteer } from '@m2m/world-mappers'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  buildEvaluationSet,
  CATEGORIES,
  type EvaluationQuery,
  scoreEvaluation,
} from '../src/geocoder/evaluation.js'

/**
 * The CI floor of issue 17: a smaller seeded draw of the evaluation set (30
 * queries per category, 210 in all, another seed than `pnpm bench`'s) must be
 * answered right at least 90 % of the time in every category. The targets
 * (93 % per category, 97 % overall) are judged by `pnpm bench` on 1,050.
 */
const CI_FLOOR = 0.9
const PER_CATEGORY = 30
const CI_SEED = 2026

let set: EvaluationQuery[]
let top1: (query: string) => string | undefined

beforeAll(async () => {
  const gazetteer = await loadGazetteer()
  set = await buildEvaluationSet(PER_CATEGORY, CI_SEED)
  top1 = (query) => gazetteer.geocode(query, 1)[0]?.place.id
}, 120_000)

describe('geocoder evaluation, CI draw', () => {
  it('draws at least 200 queries in every category', () => {
    expect(set.length).toBeGreaterThanOrEqual(200)
    for (const category of CATEGORIES) {
      expect(set.filter((q) => q.category === category).length).toBeGreaterThanOrEqual(25)
    }
  })

  it(`answers at least ${CI_FLOOR * 100} % of each category right`, () => {
    const { categories } = scoreEvaluation(set, top1)
    const misses = set.filter((q) => top1(q.query) !== q.expectedId)
    for (const score of categories) {
      expect(
        score.accuracy,
        `${score.category}: ${score.correct}/${score.queries}; misses: ${misses
          .filter((q) => q.category === score.category)
          .map((q) => q.query)
          .join(' | ')}`,
      ).toBeGreaterThanOrEqual(CI_FLOOR)
    }
  })

  it('draws the same queries for the same seed', async () => {
    expect(await buildEvaluationSet(PER_CATEGORY, CI_SEED)).toEqual(set)
  })
})
