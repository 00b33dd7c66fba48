/**
 * The one place that names the models. A model is one file on the shared
 * interfaces of ./model.ts (PurchaseModel, SpendModel, ClvModel) plus one line
 * here; its CLI id is its key. The CLI choices, the config's zod enums, the
 * backtest's candidates, `clv fit --model` and every title shown in the
 * report derive from these tables: nothing else compares a model's name.
 */
import { bgNbd } from './bg-nbd.ts';
import { gammaGamma } from './gamma-gamma.ts';
import { mbgNbd } from './mbg-nbd.ts';
import type { ClvModel, FitOptions, FitResult, FrequencyData, PurchaseModel, SpendModel } from './model.ts';
import { paretoNbd } from './pareto-nbd.ts';
import { sbg, type SurvivalData } from './sbg.ts';

/** Purchase models (non-contractual): fitted on (x, t_x, T); the backtest compares all of them. */
export const PURCHASE_MODELS = {
  bgnbd: bgNbd,
  'pareto-nbd': paretoNbd,
  mbgnbd: mbgNbd,
} as const satisfies Record<string, PurchaseModel>;

/** The spend model. */
export const SPEND_MODELS = { 'gamma-gamma': gammaGamma } as const satisfies Record<string, SpendModel>;

/** The retention model of contractual (subscription) businesses. */
export const CONTRACTUAL_MODELS = { sbg } as const satisfies Record<string, ClvModel<SurvivalData | readonly SurvivalData[]>>;

export type PurchaseModelId = keyof typeof PURCHASE_MODELS;
export type SpendModelId = keyof typeof SPEND_MODELS;
export type ContractualModelId = keyof typeof CONTRACTUAL_MODELS;
export type ModelId = PurchaseModelId | SpendModelId | ContractualModelId;

/** CLI ids of the purchase models, in registry order (the first is the default). */
export const PURCHASE_MODEL_IDS = Object.keys(PURCHASE_MODELS) as [PurchaseModelId, ...PurchaseModelId[]];
export const DEFAULT_PURCHASE_MODEL: PurchaseModelId = PURCHASE_MODEL_IDS[0];
/** The spend model every CLV uses. */
export const SPEND_MODEL_ID = Object.keys(SPEND_MODELS)[0] as SpendModelId;
export const CONTRACTUAL_MODEL_ID = Object.keys(CONTRACTUAL_MODELS)[0] as ContractualModelId;
/** Every model `clv fit --model` accepts. */
export const MODEL_IDS = [...PURCHASE_MODEL_IDS, SPEND_MODEL_ID, CONTRACTUAL_MODEL_ID] as [ModelId, ...ModelId[]];

export function isPurchaseModelId(id: string): id is PurchaseModelId {
  return Object.hasOwn(PURCHASE_MODELS, id);
}

export const spendModel: SpendModel = SPEND_MODELS[SPEND_MODEL_ID];
export const contractualModel = CONTRACTUAL_MODELS[CONTRACTUAL_MODEL_ID];

/** Display title of any registered model ("BG/NBD"); an unknown id is shown as given. */
export function modelTitle(id: string): string {
  const all: Record<string, { title: string }> = { ...PURCHASE_MODELS, ...SPEND_MODELS, ...CONTRACTUAL_MODELS };
  return Object.hasOwn(all, id) ? all[id].title : id;
}

/** Fits a purchase model; the result carries the registry id as `model`. */
export function fitPurchase(id: PurchaseModelId, data: FrequencyData, options?: FitOptions): FitResult {
  return { ...PURCHASE_MODELS[id].fit(data, options), model: id };
}

/** Fits the spend model; the result carries its registry id. */
export function fitSpend(data: Parameters<SpendModel['fit']>[0], options?: FitOptions): FitResult {
  return { ...spendModel.fit(data, options), model: SPEND_MODEL_ID };
}

/** A fitted purchase model: the model and its natural parameters (what scoring needs). */
export interface FittedPurchase {
  id: PurchaseModelId;
  model: PurchaseModel;
  params: Record<string, number>;
}

export function fitted(id: PurchaseModelId, params: Record<string, number>): FittedPurchase {
  return { id, model: PURCHASE_MODELS[id], params };
}

/** Kind of a registered model. */
export function modelKind(id: ModelId): 'purchase' | 'spend' | 'contractual' {
  return Object.hasOwn(PURCHASE_MODELS, id) ? 'purchase' : Object.hasOwn(SPEND_MODELS, id) ? 'spend' : 'contractual';
}

/** Any registered model by id. */
export function anyModel(id: ModelId): PurchaseModel | SpendModel | (typeof CONTRACTUAL_MODELS)[ContractualModelId] {
  const all: Record<ModelId, PurchaseModel | SpendModel | (typeof CONTRACTUAL_MODELS)[ContractualModelId]> = { ...PURCHASE_MODELS, ...SPEND_MODELS, ...CONTRACTUAL_MODELS };
  return all[id];
}
