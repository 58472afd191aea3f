import { BadRequestException } from '@nestjs/common';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function invalid(message: string): never {
  throw new BadRequestException({ code: 'BAD_REQUEST', message });
}

export function uuidList(value: unknown, field: string, { required = false } = {}): string[] {
  if (value === undefined || value === null || (required && Array.isArray(value) && value.length === 0)) {
    if (required) invalid(`${field} is required: a list of at least one id`);
    return [];
  }
  if (!Array.isArray(value)) invalid(`${field} must be a list of ids`);
  for (const id of value)
    if (typeof id !== 'string' || !UUID.test(id)) invalid(`${field} holds ${JSON.stringify(id)}, not an id`);
  return [...new Set(value as string[])];
}

export function optionalString(value: unknown, field: string, maxLength = 200): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length > maxLength)
    invalid(`${field} must be a string of at most ${maxLength} characters`);
  return value as string;
}

export function boundedInt(value: unknown, field: string, min: number, max: number): number | null {
  if (value === undefined || value === '') return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    invalid(`${field} must be a whole number from ${min} to ${max}`);
  return n;
}

export function uuidParam(value: string, what: string): string {
  if (!UUID.test(value))
    throw new BadRequestException({ code: 'BAD_REQUEST', message: `${what} id ${value} is not an id` });
  return value;
}
