// The few React types the typed examples need. @types/react is not among sync-web's dev tools
// (package.json); react.d.ts imports these names from 'react', as it does from @types/react.
declare module 'react' {
  export type ReactNode = ReactElement | string | number | bigint | boolean | null | undefined | Iterable<ReactNode>;
  export interface ReactElement { type: unknown; props: unknown; key: string | null }
  export interface ButtonHTMLAttributes<T> {
    id?: string;
    className?: string;
    title?: string;
    disabled?: boolean;
    name?: string;
    value?: string;
    type?: 'button' | 'submit' | 'reset';
    children?: ReactNode;
    onClick?: (event: { currentTarget: T }) => void;
    onError?: (event: { currentTarget: T }) => void;
    'aria-label'?: string;
  }
  export function useState<S>(initial: S | (() => S)): [S, (next: S | ((previous: S) => S)) => void];
}

declare module 'react/jsx-runtime' {
  import type { ReactElement } from 'react';
  export namespace JSX {
    type Element = ReactElement;
    interface ElementChildrenAttribute { children: {} }
    interface IntrinsicAttributes { key?: string | number }
    interface IntrinsicElements {
      [name: string]: { [attribute: string]: unknown };
    }
  }
  export function jsx(type: unknown, props: unknown, key?: string): ReactElement;
  export function jsxs(type: unknown, props: unknown, key?: string): ReactElement;
  export const Fragment: unique symbol;
}
