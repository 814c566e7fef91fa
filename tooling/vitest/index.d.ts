import type { UserConfig } from 'vitest/config'

export function createVitestConfig(overrides?: UserConfig): UserConfig
