// Types of bootstrap.mjs for the TypeScript that imports it (tests/ops).
export declare const root: string;
export declare const NODE_MAJOR: number;
export declare function pinnedNode(): string | null;
export declare function onPinnedRuntime(): Promise<void>;
export declare function ensureDependencies(): void;
export declare function bootstrap(): Promise<void>;
export declare function inOwnProcessGroup(): Promise<void>;
