import { randomInt } from 'node:crypto';

const ADJECTIVES = ['able', 'bold', 'brave', 'bright', 'calm', 'clever', 'eager', 'gentle', 'grand', 'happy', 'keen', 'kind', 'lively', 'lucky', 'merry', 'noble', 'proud', 'quick', 'quiet', 'rare', 'sharp', 'silent', 'smart', 'swift', 'tidy', 'vast', 'warm', 'wise'];
const NOUNS = ['ant', 'bass', 'bear', 'crab', 'crane', 'deer', 'dove', 'eel', 'finch', 'fox', 'frog', 'hare', 'hawk', 'heron', 'lark', 'loon', 'mole', 'moth', 'newt', 'otter', 'owl', 'pike', 'seal', 'slug', 'snail', 'stork', 'swan', 'trout', 'wolf', 'wren'];

/** A run name like MLflow gives a run created without one: adjective-animal-number. */
export function randomRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000)}`;
}
