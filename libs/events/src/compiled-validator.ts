import { TransformationType, TypeMetadata } from 'class-transformer';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { getMetadataStorage, IS_OPTIONAL, MetadataStorage, ValidationTypes } from 'class-validator';

/**
 * A class's validation decorators compiled once into a plain function. It returns the
 * whitelisted plain copy of a valid value, or `undefined` when the value is invalid **or**
 * merely unusual (a lone object where an array of nested objects belongs, an array inside it):
 * the caller then asks class-validator, which stays the judge of everything but the common case
 * and writes every error message. So the compiled function may refuse more than class-validator,
 * never less.
 */
export type CompiledValidator = (value: unknown) => Record<string, unknown> | undefined;

type Constructor = new () => object;
/** class-validator does not export the type of its metadata entries. */
type ValidationMetadata = ReturnType<MetadataStorage['getTargetValidationMetadatas']>[number];
type Check = (value: unknown, object: Record<string, unknown>) => boolean;

interface PropertyRule {
  readonly property: string;
  /** `@IsOptional()`: null or undefined skips the property's checks. */
  optional: boolean;
  readonly checks: Check[];
  /** `@ValidateNested()` with `@Type(() => Class)`: an array of that class. */
  nested?: CompiledValidator;
}

const compiled = new Map<Constructor, CompiledValidator>();

/**
 * The compiled validator of a class, from the metadata class-validator and class-transformer
 * keep for it: each property's constraints call the same constraint functions, so the event
 * classes stay the one schema. Decorators this compiler does not know make it throw, at start-up.
 */
export function compileValidator(target: Constructor): CompiledValidator {
  let validator = compiled.get(target);
  if (!validator) {
    const rules: PropertyRule[] = [];
    validator = (value) => copyIfValid(rules, value);
    // Registered before its rules are built: a class may nest itself.
    compiled.set(target, validator);
    try {
      rules.push(...rulesOf(target));
    } catch (error) {
      compiled.delete(target); // never leave a validator without its rules behind
      throw error;
    }
  }
  return validator;
}

/** Mirrors `validateSync(plainToInstance(target, value), { whitelist: true, forbidUnknownValues: true })` on a plain object. */
function copyIfValid(rules: readonly PropertyRule[], value: unknown): Record<string, unknown> | undefined {
  if (!isPlainObject(value)) return undefined;
  const copy: Record<string, unknown> = {};
  for (const rule of rules) {
    const field = value[rule.property];
    if (rule.optional && (field === null || field === undefined)) {
      if (field === null) copy[rule.property] = null;
      continue;
    }
    for (const check of rule.checks) if (!check(field, value)) return undefined;
    if (field === undefined) continue; // class-validator skips nested validation of a missing field
    if (rule.nested) {
      const items = copyItemsIfValid(rule.nested, field);
      if (!items) return undefined;
      copy[rule.property] = items;
    } else {
      copy[rule.property] = field;
    }
  }
  return copy;
}

function copyItemsIfValid(nested: CompiledValidator, field: unknown): Record<string, unknown>[] | undefined {
  if (!Array.isArray(field)) return undefined;
  const items: Record<string, unknown>[] = [];
  for (const item of field) {
    const copy = nested(item);
    if (!copy) return undefined;
    items.push(copy);
  }
  return items;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rulesOf(target: Constructor): PropertyRule[] {
  const storage = getMetadataStorage();
  // The same selection class-validator's executor makes (no groups, `always` off).
  const metadatas = storage.getTargetValidationMetadatas(target, '', false, false, undefined);
  // With forbidUnknownValues, class-validator refuses an instance of a class without rules.
  if (metadatas.length === 0) unsupported(target, '(class)', 'a class without validation decorators');
  const exposedOrExcluded = [...defaultMetadataStorage.getExposedMetadatas(target), ...defaultMetadataStorage.getExcludedMetadatas(target)];
  if (defaultMetadataStorage.getStrategy(target) !== 'none' || exposedOrExcluded.length > 0) unsupported(target, '(class)', '@Expose/@Exclude');

  const rules = new Map<string, PropertyRule>();
  for (const metadata of metadatas) {
    const { propertyName: property } = metadata;
    // Such a name would be read from Object.prototype when the value lacks it.
    if (property in Object.prototype) unsupported(target, property, 'a property named like an Object.prototype member');
    // `groups` is typed as always set, but is undefined when a decorator has options without groups.
    const hasGroups = Array.isArray(metadata.groups) && metadata.groups.length > 0;
    if (metadata.validateIf || metadata.always !== undefined || hasGroups) unsupported(target, property, 'validateIf, always or groups');
    let rule = rules.get(property);
    if (!rule) {
      if (defaultMetadataStorage.findTransformMetadatas(target, property, TransformationType.PLAIN_TO_CLASS).length > 0) {
        unsupported(target, property, '@Transform');
      }
      rule = { property, optional: false, checks: [] };
      rules.set(property, rule);
    }
    addRule(target, rule, metadata);
  }
  for (const rule of rules.values()) {
    if (!rule.nested && typeMetadataOf(target, rule.property)) unsupported(target, rule.property, '@Type without @ValidateNested');
  }
  return [...rules.values()];
}

function addRule(target: Constructor, rule: PropertyRule, metadata: ValidationMetadata): void {
  switch (metadata.type) {
    case ValidationTypes.CONDITIONAL_VALIDATION:
      if (metadata.name !== IS_OPTIONAL) unsupported(target, rule.property, `@${metadata.name ?? 'ValidateIf'}`);
      rule.optional = true;
      return;
    case ValidationTypes.NESTED_VALIDATION: {
      const type = typeMetadataOf(target, rule.property);
      if (!type || type.options.discriminator) unsupported(target, rule.property, '@ValidateNested without @Type(() => Class)');
      rule.nested = compileValidator(type.typeFunction() as Constructor);
      return;
    }
    case ValidationTypes.CUSTOM_VALIDATION:
      rule.checks.push(...constraintChecks(target, metadata));
      return;
    default:
      unsupported(target, rule.property, `the ${metadata.type} rule`);
  }
}

/** The constraint functions of one decorator (e.g. `@Max(1000)`), called as class-validator calls them. */
function constraintChecks(target: Constructor, metadata: ValidationMetadata): Check[] {
  return getMetadataStorage()
    .getTargetValidatorConstraints(metadata.constraintCls)
    .map((constraint): Check => {
      if (constraint.async) unsupported(target, metadata.propertyName, `the asynchronous ${constraint.name}`);
      const { instance } = constraint;
      const { propertyName: property, constraints } = metadata;
      // Only a plain `true` passes: anything else goes to class-validator for its verdict.
      return (value, object) => {
        const args = { targetName: target.name, property, object, value, constraints };
        if (metadata.each && Array.isArray(value)) return value.every((item) => instance.validate(item, args) === true);
        return instance.validate(value, args) === true;
      };
    });
}

/** The property's `@Type(() => Class)`, if any (class-transformer's types do not admit there may be none). */
function typeMetadataOf(target: Constructor, property: string): TypeMetadata | undefined {
  return defaultMetadataStorage.findTypeMetadata(target, property);
}

function unsupported(target: Constructor, property: string, what: string): never {
  throw new Error(`${target.name}.${property}: ${what} is not supported by the compiled event validator (libs/events/src/compiled-validator.ts)`);
}
