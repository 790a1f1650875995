import { CreateAccessTokens1764043200000 } from './1764043200000-CreateAccessTokens';

/** Every migration, oldest first. A committed migration is never edited; add a new one. */
export const MIGRATIONS = [CreateAccessTokens1764043200000];
